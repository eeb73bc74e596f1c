package dev.flotilla.vm.testkit.internal;

import dev.flotilla.vm.Instance;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.SnapshotChain;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One VM of the fake cloud. Mutable; guarded by the cloud's lock. */
public final class FakeVm {
  public final String id;
  public String type;
  public final String image;
  public final String zone;
  public int cpus;
  public int memoryMb;
  public final String antiAffinityGroup;
  public final Instant launchTime;
  public final String privateAddress;
  public final String publicAddress;
  public final Map<String, String> tags = new LinkedHashMap<>();
  public String host;
  public State state = State.PENDING;
  public String providerState = "pending";
  /** Where a transient state ends, and when. */
  public State settlesTo = State.RUNNING;
  public Instant settlesAt;
  public Instant hiddenUntil;
  /** When it went TERMINATED; it vanishes from answers some time later. */
  public Instant terminatedAt;
  public String fault;
  public SnapshotChain snapshots;
  /** When each snapshot that is still being taken becomes ready. */
  public final Map<String, Instant> snapshotReadyAt = new LinkedHashMap<>();

  public FakeVm(String id, String type, String image, String zone, int cpus, int memoryMb, String antiAffinityGroup,
      Instant launchTime, String privateAddress, String publicAddress, SnapshotChain snapshots) {
    this.id = id;
    this.type = type;
    this.image = image;
    this.zone = zone;
    this.cpus = cpus;
    this.memoryMb = memoryMb;
    this.antiAffinityGroup = antiAffinityGroup;
    this.launchTime = launchTime;
    this.privateAddress = privateAddress;
    this.publicAddress = publicAddress;
    this.snapshots = snapshots;
  }

  /** Moves into {@code transientState}, to settle in {@code target} at {@code at}. */
  public void moveTo(State transientState, State target, Instant at) {
    this.state = transientState;
    this.providerState = transientState.name().toLowerCase(java.util.Locale.ROOT);
    this.settlesTo = target;
    this.settlesAt = at;
  }

  /** Settles a transient state whose time has come. */
  public void settle(Instant now) {
    if (state.isTransient() && !now.isBefore(settlesAt)) {
      state = settlesTo;
      providerState = state.name().toLowerCase(java.util.Locale.ROOT);
      if (state == State.TERMINATED) {
        terminatedAt = settlesAt;
      }
    }
  }

  /** What an observer sees now. */
  public Instance observe() {
    boolean up = state != State.TERMINATED;
    return Instance.builder(id, state).providerState(providerState).type(type).image(image).zone(zone)
        .publicAddress(up ? publicAddress : null).privateAddress(up ? privateAddress : null).launchTime(launchTime)
        .tags(tags).fault(fault).build();
  }
}
