package dev.portcullis.access;

/**
 * A refusal as a value: an HTTP-fitting status, a stable machine code and a human message. The code is
 * what the API answers, the metric label and the ledger entry share.
 */
public final class Problem extends RuntimeException {

    private final int status;
    private final String code;

    public Problem(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public static Problem badRequest(String code, String message) {
        return new Problem(400, code, message);
    }

    public static Problem forbidden(String code, String message) {
        return new Problem(403, code, message);
    }

    public static Problem notFound(String what) {
        return new Problem(404, "not_found", what + " does not exist");
    }

    public static Problem conflict(String code, String message) {
        return new Problem(409, code, message);
    }

    public static Problem unprocessable(String code, String message) {
        return new Problem(422, code, message);
    }
}
