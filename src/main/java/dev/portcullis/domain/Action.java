package dev.portcullis.domain;

/** What an executor asks to do at the point of execution; checked against the grant's scope. */
public sealed interface Action {

    String describe();

    record SshShell(String principal) implements Action {
        public String describe() {
            return "ssh shell as " + principal;
        }
    }

    record SshExec(String principal, String command) implements Action {
        public String describe() {
            return "ssh exec as " + principal + ": " + command;
        }
    }

    record SshForward(String principal, String host, int port) implements Action {
        public String describe() {
            return "ssh forward as " + principal + " to " + host + ":" + port;
        }
    }

    record SshSubsystem(String principal, String name) implements Action {
        public String describe() {
            return "ssh subsystem " + name + " as " + principal;
        }
    }

    record HttpCall(String method, String path, boolean websocket) implements Action {
        public String describe() {
            return (websocket ? "websocket " : "http ") + method + " " + path;
        }
    }

    /** Dynamic database credentials for the target's {@code credential.database} role, handed to the executor. */
    record DatabaseLogin(String role) implements Action {
        public String describe() {
            return "database login as role " + role;
        }
    }
}
