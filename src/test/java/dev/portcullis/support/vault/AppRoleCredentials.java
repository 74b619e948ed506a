package dev.portcullis.support.vault;

/** What an operator hands the broker to log in with {@code auth/approle/login}. */
public record AppRoleCredentials(String roleId, String secretId) {

    @Override
    public String toString() {
        return "AppRoleCredentials[roleId=" + roleId + ", secretId=…]";
    }
}
