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
  private final BiFunction<String, RuntimeException, CloudException> classify;

  /** Calls whose failures {@code classify} names, given the call's name and what jclouds threw. */
  public Calls(BiFunction<String, RuntimeException, CloudException> classify) {
    this.classify = classify;
  }

  /** The result of {@code body}, the call named {@code name} in errors. */
  public <T> T call(String name, Supplier<T> body) {
    try {
      return body.get();
    } catch (VmException e) {
      throw e;
    } catch (RuntimeException e) {
      throw classify.apply(name, e);
    }
  }

  /** {@link #call} for a call with no result. */
  public void run(String name, Runnable body) {
    call(name, () -> {
      body.run();
      return null;
    });
  }
}
