package dev.flotilla.vm;

import dev.flotilla.vm.Lifecycle.Action;
import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.internal.DriftCheck;
import dev.flotilla.vm.support.Failpoints;
import dev.flotilla.vm.internal.Tokens;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import dev.flotilla.vm.store.NodeStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The create path, where the safety core lives: under the nodes' locks, it takes VMs other clients bound
 * meanwhile, adopts what unfinished creates made, and only then asks the cloud, with the intent written
 * before the call and each binding right after it.
 */
final class CreatePath {
  private static final Logger LOG = LoggerFactory.getLogger(VmClient.class);

  private final Engine engine;

  CreatePath(Engine engine) {
    this.engine = engine;
  }

  /**
   * Gives each target a VM, holding the targets' locks from the first look to the last record: VMs another
   * client bound meanwhile are taken as they are, VMs that carry a target's name (an earlier create that
   * did not finish, a record that lost its id) are adopted, and only for the rest is the cloud asked to
   * create, one call per provider and launch specification, with the intent written before the call and
   * the binding right after it. Never held while VMs boot.
   *
   * @return the targets that turned out to have a stopped VM, to be started
   */
  List<Engine.Target> create(List<Engine.Target> targets) {
    return create(targets, false);
  }

  /** Makes the VMs of {@code targets}, stopped or not; returns those found stopped that a start should start. */
  List<Engine.Target> create(List<Engine.Target> targets, boolean stopped) {
    if (targets.isEmpty()) {
      return List.of();
    }
    List<Engine.Target> toStart = new ArrayList<>();
    try (NodeStore.Lock lock = engine.store.lock(Engine.names(targets), engine.lockWait)) {
      List<Engine.Target> rest = adoptExisting(boundMeanwhile(targets, toStart), toStart, Look.BEFORE_CREATE);
      List<CloudException> exhausted = new ArrayList<>();
      while (!rest.isEmpty()) {
        Map<Engine.Target, String> was = new java.util.IdentityHashMap<>();
        rest.forEach(t -> was.put(t, t.profile));
        List<Engine.Target> moved = launchAll(rest, toStart, stopped, exhausted);
        // a node moved to another profile is looked for there, as on the first, before anything is made there;
        // within one profile, the list after the refusal has looked already
        List<Engine.Target> elsewhere = moved.stream().filter(t -> !t.profile.equals(was.get(t))).toList();
        rest = new ArrayList<>(moved.stream().filter(t -> t.profile.equals(was.get(t))).toList());
        rest.addAll(adoptExisting(elsewhere, toStart, Look.BEFORE_CREATE));
      }
      List<CloudException> failures = exhausted.stream().distinct().toList(); // one refusal may be several nodes'
      if (!failures.isEmpty()) {
        failures.subList(1, failures.size()).forEach(failures.get(0)::addSuppressed);
        throw failures.get(0);
      }
    }
    return toStart;
  }

  /**
   * Launches {@code targets}, one call per provider and launch specification. A place that answers it has no
   * capacity has been resolved when its launch returns (what it made is bound, its intents ended); its nodes
   * are returned, moved to the next place of their order, or, with no place left, their failure goes to
   * {@code exhausted}.
   */
  private List<Engine.Target> launchAll(List<Engine.Target> targets, List<Engine.Target> toStart, boolean stopped,
      List<CloudException> exhausted) {
    Map<List<Object>, List<Engine.Target>> bySpec = new LinkedHashMap<>();
    for (Engine.Target t : targets) {
      bySpec.computeIfAbsent(List.of(t.provider, t.profile, Tokens.spec(engine.specOf(t))), k -> new ArrayList<>()).add(t);
    }
    List<Engine.Target> moved = new ArrayList<>();
    for (Map.Entry<List<Object>, List<Engine.Target>> e : bySpec.entrySet()) {
      Node spec = (Node) e.getKey().get(2);
      // each node's unfinished create of this spec is repeated with its own token, the rest with a new one
      String digest = Tokens.digest(e.getValue().get(0).profile, spec);
      Map<Optional<String>, List<Engine.Target>> byToken = new LinkedHashMap<>();
      e.getValue().forEach(t -> byToken.computeIfAbsent(repeatedToken(t, digest), k -> new ArrayList<>()).add(t));
      for (Map.Entry<Optional<String>, List<Engine.Target>> group : byToken.entrySet()) {
        try {
          launch(group.getValue(), spec, group.getKey().orElse(null), toStart, stopped);
        } catch (CloudException full) {
          if (full.kind() != CloudException.Kind.CAPACITY) {
            throw full;
          }
          for (Engine.Target t : group.getValue()) {
            if (!t.node.isBound()) {
              moveOn(t, spec.type().orElse(null), full.getMessage()).ifPresentOrElse(moved::add,
                  () -> exhausted.add(everyPlaceFull(t, full)));
            }
          }
        }
      }
    }
    return moved;
  }

  /** The failure of a node whose every place had no capacity: the last place's, naming the places tried. */
  private CloudException everyPlaceFull(Engine.Target t, CloudException last) {
    List<Place> order = engine.placements(t.node);
    if (order.size() == 1) {
      return last;
    }
    return new CloudException(CloudException.Kind.CAPACITY, last.provider(), last.code().orElse(null), "no place of"
        + " node " + t.node.name() + " has capacity; tried " + order.stream().map(Place::toString)
        .collect(java.util.stream.Collectors.joining(", ")) + ", in the order of its profile's zones and fallback. "
        + t.place() + " answered: " + last.getMessage(), last);
  }

  /**
   * Destroys the VMs of {@code targets}, which were just made and failed for want of capacity ({@code vmOf}
   * tells how), waits until they are gone, unbinds their records, and moves each to the next place of its
   * order. Under the nodes' locks: no other client binds them meanwhile.
   */
  void replace(List<Engine.Target> targets, java.util.function.Function<Engine.Target, Instance> vmOf) {
    try (NodeStore.Lock lock = engine.store.lock(Engine.names(targets), engine.lockWait)) {
      targets.forEach(t -> t.justCreated = false); // seen failed: a VM no answer lists any more is gone, not new
      engine.act(targets, Action.DESTROY, (p, ids) -> p.terminate(ids));
      engine.awaitAndRecord(new Engine.Batch(targets), State.TERMINATED);
      for (Engine.Target t : targets) {
        Instance failed = vmOf.apply(t);
        engine.store.update(t.node.name(), old -> old == null || !old.vmId().equals(t.node.vmId()) ? old : old.unbind());
        t.node = t.node.unbind();
        t.state = State.TERMINATED;
        moveOn(t, engine.specOf(t).type().orElse(null), failed.fault().orElse(failed.providerState()));
      }
    }
  }

  /** Moves {@code t}, whose place had no capacity, to the next place of its order, told to the listener. */
  private Optional<Engine.Target> moveOn(Engine.Target t, String type, String reason) {
    Optional<Place> next = engine.nextPlace(t);
    if (next.isEmpty()) {
      return Optional.empty();
    }
    VmListener.Move move = new VmListener.Move(t.node.name(), t.place(), next.get(), type, reason);
    LOG.info(move.describe());
    engine.listener.onMove(move);
    t.moveTo(next.get());
    return Optional.of(t);
  }

  /**
   * Re-reads the records under the lock. A target another client bound since it was observed takes that
   * binding (its VM may be too new to be listed, so a VM not seen counts as being created), and joins
   * {@code toStart} (when given) if that VM is stopped; the others take their record's create intent, and
   * are returned.
   */
  List<Engine.Target> boundMeanwhile(List<Engine.Target> targets, List<Engine.Target> toStart) {
    List<Engine.Target> rest = new ArrayList<>();
    List<Engine.Target> rebound = new ArrayList<>();
    for (Engine.Target t : targets) {
      Node now = engine.store.get(t.node.name()).orElse(null);
      if (now != null && now.isBound() && !now.vmId().equals(t.node.vmId())) {
        t.node = t.node.bind(now.vmId().get(), now.publicAddress().orElse(null), now.privateAddress().orElse(null));
        rebound.add(t);
      } else {
        t.node = t.node.intending(now == null ? null : now.createIntent().orElse(null));
        rest.add(t);
      }
    }
    engine.describeBound(rebound);
    for (Engine.Target t : rebound) {
      if (t.state == State.TERMINATED) {
        t.state = State.PENDING;
        t.justCreated = true;
      } else if (toStart != null && Engine.stepToRunning(t) == Action.START) {
        toStart.add(t);
      }
    }
    return rest;
  }

  /** Why the client looks for the VMs of nodes that have none recorded. */
  enum Look {
    /**
     * Before creating: a VM that carries the node's name but is not its unfinished create's is refused
     * (it may be another client's node of the same name), and so is a node whose create did not finish
     * while VMs nothing attributes (no node name, no record) might be what that create made.
     */
    BEFORE_CREATE,
    /** After a create call failed: it may have made some VMs before it did. */
    AFTER_FAILED_CREATE,
    /** Before destroying: an unfinished create that made nothing (and nothing unattributed) is ended. */
    FOR_DESTROY
  }

  /**
   * Adopts, for each target whose create did not finish, the live VM that create made: the one that
   * carries the node's name and the create's token (or the VM the record is bound to, where a describe
   * missed it). One list call per provider.
   *
   * @return the targets that still have no VM
   */
  List<Engine.Target> adoptExisting(List<Engine.Target> targets, List<Engine.Target> toStart, Look why) {
    List<Engine.Target> out = new ArrayList<>();
    for (Map.Entry<Provider, List<Engine.Target>> e : Engine.byProvider(targets, t -> true).entrySet()) {
      List<Instance> all = engine.backoff.retry(e.getKey()::list);
      Map<String, List<Instance>> byNode = new java.util.HashMap<>();
      all.stream().filter(DriftCheck::live)
          .forEach(vm -> vm.nodeName().ifPresent(n -> byNode.computeIfAbsent(n, k -> new ArrayList<>()).add(vm)));
      List<String> bound = null;
      for (Engine.Target t : e.getValue()) {
        String name = t.node.name();
        Optional<CreateIntent> intent = t.node.createIntent();
        List<Instance> named = byNode.getOrDefault(name, List.of());
        // the VM the record is bound to, if the describe before missed it; else what the unfinished create made
        Optional<Instance> made = named.stream().filter(vm -> t.node.vmId().equals(Optional.of(vm.id()))).findFirst()
            .or(() -> named.stream()
                .filter(vm -> intent.isPresent() && intent.get().madeVmTagged(vm.tags().get(Instance.TOKEN_TAG)))
                .min(java.util.Comparator.comparing((Instance vm) -> vm.launchTime().orElse(java.time.Instant.MAX))
                    .thenComparing(Instance::id)));
        if (made.isPresent()) {
          engine.record(t, made.get());
          t.state = made.get().state();
          LOG.debug("adopted VM {} of node {}'s unfinished create", made.get().id(), name);
          if (toStart != null && Engine.stepToRunning(t) == Action.START) {
            toStart.add(t);
          }
          continue;
        }
        if (bound == null) {
          bound = engine.store.list().stream().flatMap(n -> n.vmId().stream()).toList();
        }
        List<String> boundIds = bound;
        List<String> others = named.stream().map(Instance::id).filter(id -> !boundIds.contains(id)).toList();
        if (why == Look.BEFORE_CREATE && !others.isEmpty()) {
          throw new VmException("VM(s) " + others + " carry node " + name + "'s name, but no record is bound to them"
              + " and no create of " + name + " that this client knows of made them; nothing was created. If one"
              + " is " + name + "'s, bind it to " + name + "; if not, remove it by id or give this node another name.");
        }
        if (intent.isPresent() && why != Look.AFTER_FAILED_CREATE) {
          List<String> stray = DriftCheck.unattributed(all, intent.get(), bound);
          if (why == Look.BEFORE_CREATE && !stray.isEmpty()) {
            throw new VmException("node " + name + "'s create of " + intent.get().since() + " did not finish, and"
                + " VM(s) " + stray + " carry no node name: they may be what it made; nothing was created. If one is "
                + name + "'s, bind it to " + name + "; remove the others by id. Then start " + name + " again.");
          }
          if (why == Look.FOR_DESTROY && stray.isEmpty()) {
            engine.clearIntent(t); // it made nothing, and the node is not wanted
          }
        }
        out.add(t);
      }
    }
    return out;
  }

  /**
   * Creates the VMs of targets that share a launch specification in one call: first the create intent in
   * every record (a repeat of the same create keeps its token, so a cloud that keeps tokens answers with
   * what the first try made), then the call, then each binding.
   */
  void launch(List<Engine.Target> group, Node spec, String repeated, List<Engine.Target> toStart, boolean stopped) {
    Engine.Target first = group.get(0);
    String digest = Tokens.digest(first.profile, spec);
    List<Engine.Target> pending = new ArrayList<>(group);
    Failpoints.hit("before-intent");
    String token = repeated;
    java.time.Instant started = engine.clock.instant();
    Set<String> mine = new java.util.HashSet<>(Engine.names(group));
    List<Node> records = engine.store.list();
    sameHostName(mine, records);
    // ids are the cloud's: only records of the same profile can hold the same VM
    Set<String> taken = records.stream().filter(n -> !mine.contains(n.name()) && n.isBound())
        .filter(n -> engine.onProfile(n, first.profile)).map(n -> n.vmId().get())
        .collect(java.util.stream.Collectors.toSet());
    for (int attempt = 1; ; attempt++) {
      List<String> names = Engine.names(pending);
      if (token == null) {
        token = Tokens.random();
      }
      CreateIntent intent = new CreateIntent(token, first.profile, digest, names, engine.clock.instant());
      for (Engine.Target t : pending) {
        t.node = t.node.intending(intent);
        engine.store.update(t.node.name(), old -> (old == null ? t.node : old).intending(intent));
      }
      Failpoints.hit("after-intent");
      Map<String, String> tags = new LinkedHashMap<>(Map.of(Instance.PROFILE_TAG, first.profile,
          Instance.TOKEN_TAG, token));
      // a lease is written by the create itself, so no VM of a leased node is ever without one
      spec.lease().ifPresent(d -> tags.putAll(new Lease(engine.clock.instant().plus(d)
          .truncatedTo(java.time.temporal.ChronoUnit.SECONDS), spec.onExpiry(),
          engine.session).tags()));
      CreateRequest request = new CreateRequest(spec, names, token, tags, taken);
      List<Instance> made;
      try {
        made = stopped ? first.provider.stoppedCreation().orElseThrow().createStopped(request)
            : first.provider.create(request);
      } catch (ConfigurationException refused) {
        pending.forEach(engine::clearIntent); // refused before anything was asked of the cloud: nothing was made
        throw refused;
      } catch (CloudException thrown) {
        CloudException failure = thrown;
        if (thrown instanceof IncompleteBatchException partial) {
          // the VMs made before the cloud refused the rest are bound now, listed or not yet
          pending = bindMade(request, first.provider.api(), pending, partial.made());
          failure = partial.getCause() instanceof CloudException refusal ? refusal : thrown;
        }
        boolean again = failure.retryable() && engine.backoff.again(attempt, started, failure.kind());
        if (again) {
          engine.backoff.pause(engine.backoff.delay(attempt, failure.kind()));
        }
        // the call may have made some VMs before it failed: adopt those, then try again or give up
        try {
          pending = adoptExisting(pending, toStart, Look.AFTER_FAILED_CREATE);
        } catch (CloudException lookFailed) {
          failure.addSuppressed(lookFailed);
          throw failure; // the intents stay: the next start looks again
        }
        if (pending.isEmpty()) {
          return;
        }
        if (!again) {
          if (failure.kind() != CloudException.Kind.UNKNOWN && failure.kind() != CloudException.Kind.TRANSIENT) {
            pending.forEach(engine::clearIntent); // the cloud refused the request: nothing of it exists
          }
          throw failure;
        }
        continue; // the same token: a cloud that keeps tokens answers each node with what the try made for it
      }
      if (made.size() != pending.size()) {
        throw new CloudException(CloudException.Kind.UNKNOWN, first.provider.api(), null, "asked for " + pending.size()
            + " VMs and got " + made.size() + "; the nodes keep their create intent, and 'status' lists what exists");
      }
      if (made.stream().anyMatch(vm -> vm.state() == State.TERMINATED || vm.state() == State.TERMINATING)) {
        token = null; // the token's VMs were destroyed since: a new create, with a new token
        continue;
      }
      checkMade(request, first.provider.api(), made);
      Failpoints.hit("after-create");
      for (int i = 0; i < pending.size(); i++) {
        Engine.Target t = pending.get(i);
        // the create's tags where the answer leaves them out: the VM has them, the cloud just did not say
        Map<String, String> tagged = new LinkedHashMap<>(made.get(i).tags());
        request.tagsFor(t.node.name()).forEach(tagged::putIfAbsent);
        engine.record(t, made.get(i).toBuilder().tags(tagged).build());
        t.justCreated = true;
        t.state = made.get(i).state();
      }
      Failpoints.hit("after-record");
      LOG.debug("created {} VM(s) on {} for {}", made.size(), first.provider.api(), names);
      return;
    }
  }

  /**
   * Binds the VMs a create made for some of {@code pending} before it failed, each checked as {@link
   * #checkMade} checks a whole answer; returns the targets left without a VM.
   */
  private List<Engine.Target> bindMade(CreateRequest request, String api, List<Engine.Target> pending,
      List<Instance> made) {
    List<Engine.Target> rest = new ArrayList<>(pending);
    for (Instance vm : made) {
      Engine.Target t = rest.stream().filter(p -> vm.nodeName().equals(Optional.of(p.node.name()))).findFirst()
          .orElse(null);
      if (t == null) {
        continue; // no node of this create: left to the list after it
      }
      checkMade(new CreateRequest(request.spec(), List.of(t.node.name()), request.clientToken(), request.tags(),
          request.taken()), api, List.of(vm));
      engine.record(t, vm);
      t.justCreated = true;
      t.state = vm.state();
      rest.remove(t);
    }
    return rest;
  }

  /**
   * Refuses to make VMs for nodes whose names differ only in case from another record's: both would get
   * one host name (DNS names are case-insensitive), and two VMs would answer to it.
   */
  static void sameHostName(Set<String> names, List<Node> records) {
    Map<String, List<String>> byHostName = new java.util.HashMap<>();
    records.forEach(r -> byHostName.computeIfAbsent(r.name().toLowerCase(java.util.Locale.ROOT), k -> new ArrayList<>())
        .add(r.name()));
    for (String n : names) {
      String other = byHostName.getOrDefault(n.toLowerCase(java.util.Locale.ROOT), List.of()).stream()
          .filter(o -> !o.equals(n)).findFirst().orElse(n);
      if (!other.equals(n)) {
        throw new ConfigurationException(null, "name", "node " + n + " and node " + other + " would have one"
            + " host name (host names ignore case); nothing was created. Rename or remove one of them.");
      }
    }
  }

  /**
   * Mine before I bind: the VMs a create answered must be new and this create's. An id that another
   * node's record is bound to, that the answer names twice, or a VM whose tags name another node or
   * another create's token is refused; the nodes keep their intents, and nothing is bound.
   */
  static void checkMade(CreateRequest request, String api, List<Instance> made) {
    Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < made.size(); i++) {
      Instance vm = made.get(i);
      String name = request.nodeNames().get(i);
      request.checkNew(api, vm.id(), name);
      Optional<String> owner = vm.nodeName().filter(o -> !request.nodeNames().contains(o));
      String token = vm.tags().get(Instance.TOKEN_TAG);
      boolean otherCreate = token != null && !CreateIntent.names(request.clientToken(), token);
      if (!seen.add(vm.id()) || owner.isPresent() || otherCreate) {
        throw new CloudException(CloudException.Kind.UNKNOWN, api, "ForeignId", "the create of node " + name
            + " was answered with VM " + vm.id() + ", which " + (owner.isPresent() ? "belongs to node " + owner.get()
            : otherCreate ? "another create made" : "it answered twice")
            + "; refused: nothing was bound, and the nodes keep their create intent ('vm status' shows what exists)");
      }
    }
  }

  /** The token of the unfinished create that a create of {@code t} from {@code digest} repeats, if any. */
  static Optional<String> repeatedToken(Engine.Target t, String digest) {
    return t.node.createIntent().filter(i -> i.repeatedFor(t.profile, digest, t.node.name())).map(CreateIntent::token);
  }

}
