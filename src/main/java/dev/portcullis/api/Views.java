package dev.portcullis.api;

import dev.portcullis.access.RequestView;
import dev.portcullis.access.Statements;
import dev.portcullis.domain.AccessRequest;
import dev.portcullis.domain.Approval;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Principal;
import dev.portcullis.domain.Role;
import dev.portcullis.domain.Scopes;
import dev.portcullis.domain.Target;
import dev.portcullis.domain.Window;
import dev.portcullis.integrity.LedgerChain;
import dev.portcullis.store.LedgerJsonLines;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** How domain values look on the wire. */
final class Views {

    private Views() {
    }

    static JsonObject principal(Principal p) {
        return new JsonObject().put("id", p.id().toString()).put("name", p.name()).put("kind", p.kind().wire())
                .put("roles", new JsonArray(p.roles().stream().map(Role::wire).sorted().toList()))
                .put("groups", new JsonArray(p.groups().stream().sorted().toList()))
                .put("sshKeys", new JsonArray(p.sshKeys())).put("disabled", p.disabled())
                .put("createdAt", p.createdAt().toString());
    }

    static JsonObject target(Target t) {
        // The credential block is configuration for the credential brokers, not for API readers.
        return new JsonObject().put("id", t.id().toString()).put("name", t.name()).put("protocol", t.protocol().wire())
                .put("environment", t.environment()).put("tags", new JsonArray(t.tags().stream().sorted().toList()))
                .put(t.protocol().wire(), new JsonObject(t.endpoint())).put("createdAt", t.createdAt().toString());
    }

    static JsonObject window(Window w) {
        return new JsonObject().put("notBefore", w.notBefore().toString()).put("notAfter", w.notAfter().toString());
    }

    static JsonObject request(RequestView v) {
        AccessRequest r = v.request();
        JsonArray approvals = new JsonArray();
        for (Approval a : v.approvals()) {
            approvals.add(new JsonObject().put("id", a.id().toString()).put("approver", a.approverName())
                    .put("decision", a.decision().wire()).put("digest", a.requestDigest())
                    .put("counts", a.requestDigest().equals(r.digest())).put("comment", a.comment())
                    .put("decidedAt", a.decidedAt().toString()).put("keyId", a.keyId()).put("signature", a.signature()));
        }
        return new JsonObject().put("id", r.id().toString()).put("state", r.state().name()).put("stateReason", r.stateReason())
                .put("digest", r.digest()).put("binding", new JsonObject(Statements.binding(r)))
                .put("ticket", r.ticket()).put("requester", v.requester()).put("executor", v.executor()).put("target", v.target())
                .put("scope", new JsonObject(Scopes.toMap(r.scope()))).put("environment", r.environment())
                .put("changeClass", r.changeClass().wire()).put("window", window(r.window())).put("maxSessions", r.maxSessions())
                .put("expectedOutcome", r.expectedOutcome()).put("rollbackPlan", r.rollbackPlan()).put("emergency", r.emergency())
                .put("policy", new JsonObject().put("rule", r.policyRule()).put("version", r.policyVersion()).put("tier", v.tier())
                        .put("approvalsRequired", v.approvalsRequired()).put("customerSignoff", v.customerSignoff()))
                .put("approvals", approvals).put("createdAt", r.createdAt().toString())
                .put("grant", v.grant() == null ? null : grant(v.grant()));
    }

    static JsonObject grant(Grant g) {
        return new JsonObject().put("id", g.id().toString()).put("requestId", g.requestId().toString())
                .put("requestDigest", g.requestDigest()).put("executorId", g.executorId().toString())
                .put("targetId", g.targetId().toString()).put("scope", new JsonObject(Scopes.toMap(g.scope())))
                .put("window", window(g.window())).put("maxSessions", g.maxSessions()).put("breakGlass", g.breakGlass())
                .put("policyVersion", g.policyVersion()).put("basis", g.basis()).put("issuedAt", g.issuedAt().toString())
                .put("keyId", g.keyId()).put("signature", g.signature()).put("state", g.state().name())
                .put("closeReason", g.closeReason()).put("closedAt", g.closedAt() == null ? null : g.closedAt().toString());
    }

    static JsonObject entry(LedgerChain.Entry e) {
        return LedgerJsonLines.json(e);
    }
}
