package dev.flotilla.vm.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Runs one call per item, at most a given number at a time, for adapters whose cloud takes one request
 * per VM (OpenNebula's allocate, Nova's POST /servers). Every call runs to its end, so the caller knows
 * all that succeeded even when some failed.
 */
public final class Parallel {
  private Parallel() {}

  /**
   * What the calls gave.
   *
   * @param results one result per item, in order; null where the call failed
   * @param failure the first failure, in item order, or null when all succeeded
   */
  public record Outcome<R>(List<R> results, RuntimeException failure) {
    /** The results of the calls that succeeded, in order. */
    public List<R> succeeded() {
      return results.stream().filter(Objects::nonNull).toList();
    }

    /** The results, or the first failure thrown. */
    public List<R> orThrow() {
      if (failure != null) {
        throw failure;
      }
      return results;
    }
  }

  /**
   * The VMs of a create that ran one call per node of {@code nodes}: all of them, or, when some calls failed
   * after others made VMs, an {@link dev.flotilla.vm.IncompleteBatchException} that carries those made (so
   * that the client binds them even where the cloud's lists do not show them yet); when none was made, the
   * first failure.
   */
  public static List<dev.flotilla.vm.Instance> created(Outcome<dev.flotilla.vm.Instance> outcome, List<String> nodes) {
    if (outcome.failure() == null || outcome.succeeded().isEmpty()
        || !(outcome.failure() instanceof dev.flotilla.vm.CloudException refusal)) {
      return outcome.orThrow();
    }
    List<String> unmade = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (outcome.results().get(i) == null) {
        unmade.add(nodes.get(i));
      }
    }
    throw new dev.flotilla.vm.IncompleteBatchException(refusal, outcome.succeeded(), unmade);
  }

  /** {@code call} on every item, at most {@code max} at a time on threads named {@code name}. */
  public static <T, R> Outcome<R> map(List<T> items, int max, String name, Function<T, R> call) {
    List<R> results = new ArrayList<>(items.size());
    if (items.size() <= 1 || max <= 1) {
      RuntimeException failure = null;
      for (T item : items) {
        try {
          results.add(call.apply(item));
        } catch (RuntimeException e) {
          results.add(null);
          failure = failure == null ? e : failure;
        }
      }
      return new Outcome<>(results, failure);
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(items.size(), max), r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<R>> futures = new ArrayList<>();
      for (T item : items) {
        futures.add(pool.submit(() -> call.apply(item)));
      }
      RuntimeException failure = null;
      for (Future<R> f : futures) {
        try {
          results.add(f.get());
        } catch (ExecutionException e) {
          results.add(null);
          if (failure == null) {
            failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while " + name + " calls ran", e);
        }
      }
      return new Outcome<>(results, failure);
    } finally {
      pool.shutdownNow();
    }
  }

  /** What {@link #both} gave. */
  public record Both<A, B>(A first, B second) {}

  /**
   * {@code first} on a thread named {@code name} while {@code second} runs on this one; both run to their end,
   * then the failure of {@code second}, or else of {@code first}, is thrown.
   */
  public static <A, B> Both<A, B> both(String name, java.util.function.Supplier<A> first,
      java.util.function.Supplier<B> second) {
    java.util.concurrent.FutureTask<A> side = new java.util.concurrent.FutureTask<>(first::get);
    Thread t = new Thread(side, name);
    t.setDaemon(true);
    t.start();
    B b;
    try {
      b = second.get();
    } finally {
      joinQuietly(t);
    }
    try {
      return new Both<>(side.get(), b);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + name + " ran", e);
    }
  }

  /** Waits for {@code t} to end, keeping this thread's interrupt for its caller. */
  private static void joinQuietly(Thread t) {
    boolean interrupted = false;
    while (t.isAlive()) {
      try {
        t.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
