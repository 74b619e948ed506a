package dev.portcullis.access;

import dev.portcullis.domain.AccessRequest;
import dev.portcullis.domain.Approval;
import dev.portcullis.domain.Grant;
import dev.portcullis.domain.Scopes;
import dev.portcullis.integrity.Digests;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The exact statements that are digested and signed. Changing anything here changes every digest and
 * signature, so these shapes are part of the evidence format: extend them only with a new "v".
 */
public final class Statements {

    private Statements() {
    }

    /** The binding fields of a request; their canonical SHA-256 is the request digest. */
    public static Map<String, Object> binding(AccessRequest r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", 1);
        m.put("type", "access-request");
        m.put("id", r.id().toString());
        m.put("ticket", r.ticket());
        m.put("requester", r.requesterId().toString());
        m.put("executor", r.executorId().toString());
        m.put("target", r.targetId().toString());
        m.put("scope", Scopes.toMap(r.scope()));
        m.put("environment", r.environment());
        m.put("changeClass", r.changeClass().wire());
        m.put("notBefore", r.window().notBefore().toString());
        m.put("notAfter", r.window().notAfter().toString());
        m.put("maxSessions", r.maxSessions());
        m.put("expectedOutcome", r.expectedOutcome());
        m.put("rollbackPlan", r.rollbackPlan());
        m.put("emergency", r.emergency());
        return m;
    }

    public static String digest(AccessRequest r) {
        return Digests.ofCanonical(binding(r));
    }

    public static Map<String, Object> approval(Approval a, String policyVersion) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", 1);
        m.put("type", "approval");
        m.put("id", a.id().toString());
        m.put("requestId", a.requestId().toString());
        m.put("requestDigest", a.requestDigest());
        m.put("approver", a.approverId().toString());
        m.put("decision", a.decision().wire());
        m.put("comment", a.comment());
        m.put("decidedAt", a.decidedAt().toString());
        m.put("policyVersion", policyVersion);
        m.put("keyId", a.keyId());
        return m;
    }

    public static Map<String, Object> grant(Grant g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", 1);
        m.put("type", "grant");
        m.put("id", g.id().toString());
        m.put("requestId", g.requestId().toString());
        m.put("requestDigest", g.requestDigest());
        m.put("executor", g.executorId().toString());
        m.put("target", g.targetId().toString());
        m.put("scope", Scopes.toMap(g.scope()));
        m.put("notBefore", g.window().notBefore().toString());
        m.put("notAfter", g.window().notAfter().toString());
        m.put("maxSessions", g.maxSessions());
        m.put("breakGlass", g.breakGlass());
        m.put("policyVersion", g.policyVersion());
        m.put("basis", g.basis());
        m.put("issuedAt", g.issuedAt().toString());
        m.put("keyId", g.keyId());
        return m;
    }
}
