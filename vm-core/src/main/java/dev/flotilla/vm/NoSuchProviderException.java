package dev.flotilla.vm;

/**
 * No provider, or more than one, answers to an api id. The message lists the providers found on the
 * class path and says which Maven module to add or remove.
 */
public class NoSuchProviderException extends VmException {
  private static final long serialVersionUID = 1L;

  /** A provider lookup failure described by {@code message}. */
  public NoSuchProviderException(String message) {
    super(message);
  }
}
