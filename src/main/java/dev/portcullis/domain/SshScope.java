package dev.portcullis.domain;

import java.util.List;

/**
 * SSH scope: the unix principals the session may log in as, whether an interactive shell is allowed,
 * an allow-list of exec commands (glob patterns, {@code *} matches any run of characters), whether
 * port forwarding (local, remote) and agent forwarding are allowed and which subsystems (e.g. {@code sftp}) may be opened.
 * An empty exec list with {@code interactive} allows any exec command — a shell could run it anyway.
 * {@code database} lets the executor obtain a dynamic credential for the target's database role
 * ({@code POST /grants/{id}/database-credential}); it is off unless the request asks for it.
 */
public record SshScope(List<String> principals, boolean interactive, List<String> exec, boolean forwarding,
                       List<String> subsystems, boolean database) implements Scope {

    public SshScope(List<String> principals, boolean interactive, List<String> exec, boolean forwarding, List<String> subsystems) {
        this(principals, interactive, exec, forwarding, subsystems, false);
    }

    public SshScope {
        principals = List.copyOf(principals);
        exec = List.copyOf(exec);
        subsystems = List.copyOf(subsystems);
        if (principals.isEmpty()) {
            throw new IllegalArgumentException("an SSH scope names at least one unix principal");
        }
        if (!interactive && exec.isEmpty() && !forwarding && subsystems.isEmpty() && !database) {
            throw new IllegalArgumentException("an SSH scope allows at least one of interactive, exec, forwarding, subsystems, database");
        }
    }

    @Override
    public Protocol protocol() {
        return Protocol.SSH;
    }

    /** True when the scope allows nothing but commands from the exec allow-list. */
    public boolean execOnly() {
        return !interactive && !forwarding && subsystems.isEmpty() && !database && !exec.isEmpty();
    }

    @Override
    public boolean permits(Action action) {
        // Java 17 has no type patterns in switch; the Action hierarchy is sealed, so this chain is total.
        if (action instanceof Action.SshShell shell) {
            return principals.contains(shell.principal()) && interactive;
        }
        if (action instanceof Action.SshExec run) {
            return principals.contains(run.principal())
                    && (exec.isEmpty() ? interactive : exec.stream().anyMatch(p -> Glob.matchesCommand(p, run.command())));
        }
        if (action instanceof Action.SshForward forward) {
            return principals.contains(forward.principal()) && forwarding;
        }
        if (action instanceof Action.SshRemoteForward remote) {
            return principals.contains(remote.principal()) && forwarding;
        }
        if (action instanceof Action.SshAgentForward agent) {
            return principals.contains(agent.principal()) && forwarding;
        }
        if (action instanceof Action.SshSubsystem sub) {
            return principals.contains(sub.principal()) && subsystems.contains(sub.name());
        }
        if (action instanceof Action.DatabaseLogin) {
            return database;
        }
        return false; // Action.HttpCall
    }
}
