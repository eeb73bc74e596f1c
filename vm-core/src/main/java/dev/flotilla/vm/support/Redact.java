package dev.flotilla.vm.support;

import dev.flotilla.vm.Secret;
import java.util.regex.Pattern;

/**
 * Masks secrets in text bound for a log or a terminal: every secret value this JVM has revealed to a
 * cloud ({@link Secret#maskRevealed}), and whatever follows the names of credentials in headers, queries
 * and JSON (tokens, signatures, passwords, Authorization). The last line of defence: nothing should put a secret in text, and this
 * makes sure that what slips through shows {@code ****}.
 */
public final class Redact {
  private static final Pattern HEADER = Pattern.compile("(?i)(x-auth-token|x-subject-token|authorization|"
      + "x-amz-security-token|x-amz-signature|x-amz-credential|proxy-authorization|cookie|set-cookie)"
      + "(\\s*[=:]\\s*\\[?)[^\\],\\r\\n]+");
  private static final Pattern FIELD = Pattern.compile("(?i)\\b(signature|awsaccesskeyid|x-amz-signature|password|"
      + "secret|secret_key|aws_secret_access_key|token|session|certificate_password)(=)[^&\\s,\\]\"]+");
  private static final Pattern JSON = Pattern.compile("(?i)(\"(?:password|secret|token|auth_token|session)\"\\s*:\\s*\")"
      + "[^\"]*(\")");

  private Redact() {}

  /** {@code text} with every secret it holds masked as {@code ****}. */
  public static String secrets(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String out = Secret.maskRevealed(text);
    out = HEADER.matcher(out).replaceAll("$1$2****");
    out = FIELD.matcher(out).replaceAll("$1$2****");
    return JSON.matcher(out).replaceAll("$1****$2");
  }

  /** {@code t} to print: its messages (and its causes') masked, its stack traces as they were. */
  public static Throwable throwable(Throwable t) {
    return new Masked(t);
  }

  /** A throwable that prints another's class, masked message and stack trace. */
  private static final class Masked extends Throwable {
    private static final long serialVersionUID = 1L;

    Masked(Throwable t) {
      super(t.getClass().getName() + (t.getMessage() == null ? "" : ": " + secrets(t.getMessage())),
          t.getCause() == null || t.getCause() == t ? null : new Masked(t.getCause()), false, true);
      setStackTrace(t.getStackTrace());
    }

    @Override
    public String toString() {
      return getMessage();
    }
  }
}
