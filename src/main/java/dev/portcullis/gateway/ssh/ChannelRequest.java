package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Action;

/** What a vendor asked a channel to do: a shell, one command, a subsystem such as sftp, a port forward either way, or agent forwarding. */
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

    /** A remote forward ({@code tcpip-forward}): the target listens on {@code bindHost:port}. */
    record RemoteForward(String bindHost, int port) implements ChannelRequest {
        public Action action(String unixUser) {
            return new Action.SshRemoteForward(unixUser, bindHost, port);
        }
    }

    /** Agent forwarding ({@code auth-agent-req@openssh.com}) on a shell or exec channel. */
    record Agent() implements ChannelRequest {
        public Action action(String unixUser) {
            return new Action.SshAgentForward(unixUser);
        }
    }

    record Subsystem(String name) implements ChannelRequest {
        public Action action(String unixUser) {
            return new Action.SshSubsystem(unixUser, name);
        }
    }
}
