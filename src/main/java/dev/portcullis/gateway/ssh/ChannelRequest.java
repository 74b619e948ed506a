package dev.portcullis.gateway.ssh;

import dev.portcullis.domain.Action;

/** What a vendor asked a session channel to do: a shell, one command, or a subsystem such as sftp. */
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

    record Subsystem(String name) implements ChannelRequest {
        public Action action(String unixUser) {
            return new Action.SshSubsystem(unixUser, name);
        }
    }
}
