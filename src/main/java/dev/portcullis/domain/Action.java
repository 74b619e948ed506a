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

    /** A remote forward ({@code ssh -R}): the target listens on {@code bindHost:port} and connections come back. */
    record SshRemoteForward(String principal, String bindHost, int port) implements Action {
        public String describe() {
            return "ssh remote forward as " + principal + " from " + bindHost + ":" + port;
        }
    }

    /** Agent forwarding ({@code ssh -A}): programs on the target may ask the vendor's agent to sign. */
    record SshAgentForward(String principal) implements Action {
        public String describe() {
            return "ssh agent forwarding as " + principal;
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
