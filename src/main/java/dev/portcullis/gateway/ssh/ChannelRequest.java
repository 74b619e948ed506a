package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Action;

/** What a vendor asked a channel to do: a shell, one command, a subsystem such as sftp, or a port forward. */
sealed interface ChannelRequest {

    Action action(String unixUser);

    record Shell() implements ChannelRequest {
        public Action action(String unixUser) {
            return new Action.SshShell(unixUser);
        }
    }

    record Exec(String command) implements ChannelRequest {
        public Action action(String unixUser) {
            return new Action.SshExec(unixUser, command);
        }
    }

    /** A local port forward ({@code direct-tcpip}) to {@code host:port} as seen from the target. */
    record Forward(String host, int port) implements ChannelRequest {
        public Action action(String unixUser) {
            return new Action.SshForward(unixUser, host, port);
        }
    }

    record Subsystem(String name) implements ChannelRequest {
        public Action action(String unixUser) {
            return new Action.SshSubsystem(unixUser, name);
        }
    }
}
