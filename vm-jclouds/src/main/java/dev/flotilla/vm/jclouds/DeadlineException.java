package dev.flotilla.vm.jclouds;

import java.io.IOException;

/** A request whose whole answer did not come within its deadline ({@code request_timeout}). */
public final class DeadlineException extends IOException {
  private static final long serialVersionUID = 1L;

  /** A request described by {@code message}. */
  public DeadlineException(String message) {
    super(message);
  }
}
