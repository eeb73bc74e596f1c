package dev.flotilla.vm;

import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.spi.Provider;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Ends the leases that have run out ({@link Lease}): on every profile of its client, it finds the VMs whose
 * lease tags say they have expired, by one list per profile, also when no record of them is left (another
 * host, a lost directory, a CI workspace thrown away), and destroys them (or stops them, where their lease
 * says so) in one call per profile. It acts only on what the safety rules allow:
 * <ul>
 *   <li>only VMs Flotilla made on that profile (its {@value Instance#PROFILE_TAG} tag names it);
 *   <li>never a VM whose lease cannot be read, nor one whose record holds a later lease (a renewal the VM's
 *       tags have not caught up with);
 *   <li>never a VM of a create that has not finished (a record's open create intent names its token);
 *   <li>records are left as they are: a destroyed VM's binding is cleared by {@link VmClient#reconcile()}
 *       once the VM is proven gone, never on the strength of the destroy call alone.
 * </ul>
 * Each VM it acts on (or, in a dry run, would) is told to the client's {@link VmListener#onReap}.
 */
public final class Reaper {
  private final Engine engine;

  Reaper(Engine engine) {
    this.engine = engine;
  }

  /** The reaper of {@code client}'s profiles and store. */
  public static Reaper of(VmClient client) {
    return client.reaper();
  }

  /**
   * A VM whose lease has ended, and what the reaper did.
   *
   * @param profile the profile it was found on
   * @param vmId the VM
   * @param node the node it was made for, by its tag
   * @param lease its lease, ended
   * @param acted whether it was destroyed or stopped (false in a dry run)
   */
  public record Reaped(String profile, String vmId, Optional<String> node, Lease lease, boolean acted) {
    /** One line for people: {@code destroyed vm-000001 (node t1, profile fake): its lease ended at ...}. */
    public String describe() {
      String did = lease.onExpiry() == Lease.Expiry.STOP ? (acted ? "stopped" : "would stop")
          : (acted ? "destroyed" : "would destroy");
      return did + " " + vmId + " (" + node.map(n -> "node " + n + ", ").orElse("") + "profile " + profile
          + "): its lease ended at " + lease.expiresAt() + " (session " + lease.session() + ")";
    }
  }

  /** Destroys or stops every VM whose lease has ended; see the class comment for what it never touches. */
  public List<Reaped> reap() {
    return reap(false);
  }

  /**
   * Destroys every VM that session {@code session} made and leased, on every profile, whatever its lease
   * says: what a test run does when it ends. Only VMs Flotilla made carry a session, so no other is touched.
   */
  public List<Reaped> endSession(String session) {
    return endSessions(session::equals);
  }

  /**
   * As {@link #endSession(String)}, for every session {@code sessions} accepts, in one list per profile: what a
   * test run does for earlier runs it knows are dead (their JVMs gone), whatever their leases say.
   */
  public List<Reaped> endSessions(java.util.function.Predicate<String> sessions) {
    List<Reaped> out = new ArrayList<>();
    for (String profile : engine.names()) {
      Provider provider = engine.provider(profile);
      List<Reaped> ended = engine.backoff.retry(provider::list).stream()
          .filter(vm -> profile.equals(vm.tags().get(Instance.PROFILE_TAG)))
          .filter(vm -> vm.state() != State.TERMINATED && vm.state() != State.TERMINATING)
          .flatMap(vm -> Lease.fromTags(vm.tags()).filter(l -> sessions.test(l.session()))
              .map(l -> new Reaped(profile, vm.id(), vm.nodeName(), l.until(engine.clock.instant())
                  .withOnExpiry(Lease.Expiry.DESTROY), true)).stream())
          .toList();
      if (!ended.isEmpty()) {
        engine.backoff.retry(() -> provider.terminate(ended.stream().map(Reaped::vmId).toList()));
        ended.forEach(engine.listener::onReap);
      }
      out.addAll(ended);
    }
    return out;
  }

  /** The VMs {@link #reap()} would act on, with nothing done to them. */
  public List<Reaped> preview() {
    return reap(true);
  }

  private List<Reaped> reap(boolean dryRun) {
    Instant now = engine.clock.instant();
    List<Node> records = engine.store.list();
    List<Reaped> out = new ArrayList<>();
    List<VmException> failed = new ArrayList<>();
    for (String profile : engine.names()) {
      try {
        out.addAll(reap(profile, records, now, dryRun));
      } catch (VmException e) { // a profile that cannot be reached keeps no other from being reaped
        failed.add(e);
      }
    }
    if (!failed.isEmpty()) {
      VmException first = failed.get(0);
      VmException e = new VmException("the reap could not look at " + failed.size() + " profile(s): "
          + Values.quoted(first.getMessage()) + (out.isEmpty() ? "" : "; " + out.size() + " VM(s) of the others were "
          + (dryRun ? "found" : "reaped") + ", each told as it was"
          + "; fix that profile in cloud.json (or its endpoint) and reap again"), first);
      failed.stream().skip(1).forEach(e::addSuppressed);
      throw e;
    }
    return out;
  }

  private List<Reaped> reap(String profile, List<Node> records, Instant now, boolean dryRun) {
    List<Reaped> out = new ArrayList<>();
    Provider provider = engine.provider(profile);
    List<Reaped> destroy = new ArrayList<>();
    List<Reaped> stop = new ArrayList<>();
    for (Instance vm : engine.backoff.retry(provider::list)) {
      Optional<Lease> lease = Lease.fromTags(vm.tags());
      if (lease.isEmpty() || !lease.get().expiredAt(now) || !profile.equals(vm.tags().get(Instance.PROFILE_TAG))
          || !leaseEnded(vm, profile, records, now) || inOpenCreate(vm, profile, records)) {
        continue;
      }
      Reaped r = new Reaped(profile, vm.id(), vm.nodeName(), lease.get(), !dryRun);
      if (lease.get().onExpiry() == Lease.Expiry.STOP) {
        if (vm.state() == State.RUNNING) {
          stop.add(r);
        }
      } else if (vm.state() != State.TERMINATED && vm.state() != State.TERMINATING) {
        destroy.add(r);
      }
    }
    if (!dryRun && !stop.isEmpty()) {
      markStopped(stop, profile, records, now);
      engine.backoff.retry(() -> provider.stop(stop.stream().map(Reaped::vmId).toList(), false));
    }
    if (!dryRun && !destroy.isEmpty()) {
      engine.backoff.retry(() -> provider.terminate(destroy.stream().map(Reaped::vmId).toList()));
    }
    stop.forEach(engine.listener::onReap);
    destroy.forEach(engine.listener::onReap);
    out.addAll(stop);
    out.addAll(destroy);
    return out;
  }

  /** Whether no record bound to {@code vm} holds a lease that ends later than now (a renewal not yet tagged). */
  private boolean leaseEnded(Instance vm, String profile, List<Node> records, Instant now) {
    return records.stream().filter(r -> r.vmId().equals(Optional.of(vm.id())) && engine.onProfile(r, profile))
        .noneMatch(r -> r.leaseOfVm().filter(l -> !l.expiredAt(now)).isPresent());
  }

  /** Whether a record's unfinished create made {@code vm}: the client that runs it will bind it. */
  private boolean inOpenCreate(Instance vm, String profile, List<Node> records) {
    String token = vm.tags().get(Instance.TOKEN_TAG);
    return records.stream().anyMatch(r -> r.createIntent().filter(i -> i.madeVmTagged(token)).isPresent()
        && engine.onProfile(r, profile));
  }

  /** Marks the records bound to VMs about to be stopped as stopped on purpose, so HA leaves them stopped. */
  private void markStopped(List<Reaped> stop, String profile, List<Node> records, Instant now) {
    for (Reaped r : stop) {
      for (Node n : records) {
        if (n.vmId().equals(Optional.of(r.vmId())) && engine.onProfile(n, profile)) {
          engine.store.update(n.name(), old -> old == null || !old.vmId().equals(Optional.of(r.vmId())) ? old
              : old.recording(b -> b.stoppedAt(now)));
        }
      }
    }
  }
}
