package dev.portcullis.domain;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** An authenticated identity: a vendor engineer, an approver, an auditor, an admin or a bot. */
public record Principal(UUID id, String name, PrincipalKind kind, Set<Role> roles, Set<String> groups,
                        List<String> sshKeys, boolean disabled, Instant createdAt) {

    public Principal {
        roles = Set.copyOf(roles);
        groups = Set.copyOf(groups);
        sshKeys = List.copyOf(sshKeys);
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }
}
