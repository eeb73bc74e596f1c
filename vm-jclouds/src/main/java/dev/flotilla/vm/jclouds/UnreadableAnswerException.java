package dev.flotilla.vm.jclouds;

import java.io.IOException;

/** A 2xx answer that failed the adapter's {@link AnswerCheck}: not what the cloud's API answers. */
public final class UnreadableAnswerException extends IOException {
  private static final long serialVersionUID = 1L;

  /** An answer described by {@code message}: request, status, content type, size and what is wrong. */
  public UnreadableAnswerException(String message) {
    super(message);
  }
}
