package dev.flotilla.vm.testkit;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import org.assertj.core.api.AbstractAssert;

/**
 * AssertJ entry points for Flotilla values: {@code assertThat(instance).isRunning()},
 * {@code assertThat(cloud).hasCallCount("describe", 3)}.
 */
public final class FlotillaAssertions {
  private FlotillaAssertions() {}

  /** Assertions on a VM observation. */
  public static InstanceAssert assertThat(Instance actual) {
    return new InstanceAssert(actual);
  }

  /** Assertions on a fake cloud. */
  public static FakeCloudAssert assertThat(FakeCloud actual) {
    return new FakeCloudAssert(actual);
  }

  /** Assertions on an {@link Instance}. */
  public static final class InstanceAssert extends AbstractAssert<InstanceAssert, Instance> {
    InstanceAssert(Instance actual) {
      super(actual, InstanceAssert.class);
    }

    /** The VM is in {@code expected}. */
    public InstanceAssert hasState(State expected) {
      isNotNull();
      if (actual.state() != expected) {
        failWithMessage("Expected VM %s to be %s but it was %s (provider state '%s')", actual.id(), expected,
            actual.state(), actual.providerState());
      }
      return this;
    }

    /** The VM is RUNNING. */
    public InstanceAssert isRunning() {
      return hasState(State.RUNNING);
    }

    /** The VM is STOPPED. */
    public InstanceAssert isStopped() {
      return hasState(State.STOPPED);
    }

    /** The VM is TERMINATED. */
    public InstanceAssert isTerminated() {
      return hasState(State.TERMINATED);
    }

    /** The VM is in ERROR. */
    public InstanceAssert isInError() {
      return hasState(State.ERROR);
    }

    /** The VM belongs to node {@code name}, by its tag. */
    public InstanceAssert belongsTo(String name) {
      isNotNull();
      if (!actual.nodeName().filter(name::equals).isPresent()) {
        failWithMessage("Expected VM %s to belong to node %s but its node tag is %s", actual.id(), name,
            actual.nodeName().orElse("<none>"));
      }
      return this;
    }

    /** The VM has a public address. */
    public InstanceAssert hasPublicAddress() {
      isNotNull();
      if (actual.publicAddress().isEmpty()) {
        failWithMessage("Expected VM %s to have a public address", actual.id());
      }
      return this;
    }
  }

  /** Assertions on a {@link FakeCloud}. */
  public static final class FakeCloudAssert extends AbstractAssert<FakeCloudAssert, FakeCloud> {
    FakeCloudAssert(FakeCloud actual) {
      super(actual, FakeCloudAssert.class);
    }

    /** The cloud received exactly {@code expected} calls of {@code operation}, such as {@code "describe"}. */
    public FakeCloudAssert hasCallCount(String operation, long expected) {
      isNotNull();
      long got = actual.callCount(FakeCloud.Op.of(operation));
      if (got != expected) {
        failWithMessage("Expected %s call(s) of %s but the fake cloud received %s", expected, operation, got);
      }
      return this;
    }

    /** The cloud holds exactly {@code expected} VMs that are not terminated. */
    public FakeCloudAssert hasLiveVms(int expected) {
      isNotNull();
      int got = actual.liveCount();
      if (got != expected) {
        failWithMessage("Expected %s live VM(s) but the fake cloud holds %s", expected, got);
      }
      return this;
    }
  }
}
