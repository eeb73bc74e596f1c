package dev.flotilla.vm.jclouds;

import java.io.Closeable;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * A jclouds API built on first use, once, and closed only if it was built: building a context costs
 * about a second of CPU, and a provider that was opened but never used should not pay it, not even
 * to close.
 *
 * @param <T> the API, or anything that closes it
 */
public final class Lazy<T extends Closeable> implements Supplier<T>, Closeable {
  private final Supplier<T> build;
  private volatile T built;

  /** An API that {@code build} makes on the first {@link #get()}. */
  public Lazy(Supplier<T> build) {
    this.build = build;
  }

  @Override
  public T get() {
    T t = built;
    if (t == null) {
      synchronized (this) {
        if (built == null) {
          built = build.get();
        }
        t = built;
      }
    }
    return t;
  }

  /** Whether the API has been built. */
  public boolean isBuilt() {
    return built != null;
  }

  @Override
  public void close() {
    T t = built;
    if (t != null) {
      try {
        t.close();
      } catch (IOException e) {
        // nothing to do: the context's threads and connections are released regardless
      }
    }
  }
}
