package dev.portcullis.access;

import dev.portcullis.domain.AccessRequest;
import dev.portcullis.domain.Approval;
import dev.portcullis.domain.Grant;

import java.util.List;

/** A request with what an approver needs beside it: names, the policy tier, decisions so far, the grant. */
public record RequestView(AccessRequest request, String requester, String executor, String target, String tier,
                          int approvalsRequired, boolean customerSignoff, List<Approval> approvals, Grant grant) {
}
