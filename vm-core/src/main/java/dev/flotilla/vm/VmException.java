package dev.flotilla.vm;

/**
 * The one unchecked exception every Flotilla failure extends. Catch it to handle any failure; catch a
 * subtype to handle one kind precisely. Messages say what went wrong and how to fix it, and never carry
 * a secret.
 */
public class VmException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure described by {@code message}. */
  public VmException(String message) {
    super(message);
  }

  /** A failure described by {@code message}, caused by {@code cause}. */
  public VmException(String message, Throwable cause) {
    super(message, cause);
  }
}
