package dev.flotilla.vm.jclouds;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.VmException;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Runs jclouds calls and turns what they throw into a {@link CloudException} with a kind, by the
 * adapter's own classifier. Flotilla's own exceptions (a bad setting found mid-call) pass as they are.
 */
public final class Calls {
  private final String provider;
  private final BiFunction<String, RuntimeException, CloudException> classify;

  /**
   * Calls to {@code provider} (its api id) whose failures {@code classify} names, given the call's name
   * and what jclouds threw; an answer a {@link CheckedHttpModule} refused is of kind UNKNOWN.
   */
  public Calls(String provider, BiFunction<String, RuntimeException, CloudException> classify) {
    this.provider = provider;
    this.classify = classify;
  }

  /** The result of {@code body}, the call named {@code name} in errors. */
  public <T> T call(String name, Supplier<T> body) {
    try {
      return body.get();
    } catch (VmException e) {
      throw e;
    } catch (RuntimeException e) {
      UnreadableAnswerException unreadable = unreadable(e);
      if (unreadable != null) {
        throw new CloudException(CloudException.Kind.UNKNOWN, provider, null, name + ": " + unreadable.getMessage()
            + "; nothing was concluded from it");
      }
      throw classify.apply(name, e);
    }
  }

  private static UnreadableAnswerException unreadable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnreadableAnswerException u) {
        return u;
      }
    }
    return null;
  }

  /** {@link #call} for a call with no result. */
  public void run(String name, Runnable body) {
    call(name, () -> {
      body.run();
      return null;
    });
  }
}
