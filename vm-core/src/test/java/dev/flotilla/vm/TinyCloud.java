package dev.flotilla.vm;

import dev.flotilla.vm.Lifecycle.State;
import dev.flotilla.vm.spi.CreateRequest;
import dev.flotilla.vm.spi.Provider;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A cloud small enough to read at once, for core's own tests (the test kit's fake cloud depends on core): VMs
 * in a map, changing state at once, and a create whose answer a test can replace with a wrong one.
 */
final class TinyCloud implements Provider {
  final Map<String, Instance> vms = new LinkedHashMap<>();
  final List<CreateRequest> creates = new ArrayList<>();
  /** VMs a list leaves out (a page lost, a list that lags), though describe still sees them. */
  final Set<String> unlisted = new java.util.HashSet<>();
  /** What a create answers; by default it makes the VMs asked for. */
  Function<CreateRequest, List<Instance>> answer = this::make;
  /** How many describes were asked. */
  int describes;
  /** The lists, stops and terminates asked, in order, each with its ids. */
  final List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** What {@link #settlesIn} answers; by default the cloud cannot tell. */
  Function<Collection<String>, java.util.Optional<java.time.Duration>> settles = ids -> java.util.Optional.empty();
  private int next = 1;

  /** Makes one running VM per node of {@code r}, tagged as the request says, and answers them. */
  synchronized List<Instance> make(CreateRequest r) {
    List<Instance> out = new ArrayList<>();
    for (String name : r.nodeNames()) {
      out.add(put(Instance.builder("i-" + next++, State.RUNNING).tags(r.tagsFor(name)).launchTime(Instant.now())
          .build()));
    }
    return out;
  }

  /** Puts a VM into the cloud, as if someone had made it. */
  synchronized Instance put(Instance vm) {
    vms.put(vm.id(), vm);
    return vm;
  }

  /** The VMs that are not terminated. */
  synchronized List<Instance> live() {
    return vms.values().stream().filter(vm -> vm.state() != State.TERMINATED).toList();
  }

  @Override
  public java.util.Optional<java.time.Duration> settlesIn(Collection<String> ids) {
    return settles.apply(ids);
  }

  @Override
  public String api() {
    return "tiny";
  }

  @Override
  public Set<Capability> traits() {
    return Set.of(Capability.TAGS, Capability.STOP_START, Capability.REBOOT);
  }

  @Override
  public synchronized List<Instance> create(CreateRequest request) {
    creates.add(request);
    return answer.apply(request);
  }

  @Override
  public synchronized List<Instance> describe(Collection<String> ids) {
    describes++;
    return ids.stream().filter(vms::containsKey).map(vms::get).toList();
  }

  @Override
  public synchronized List<Instance> list() {
    calls.add("list");
    return vms.values().stream().filter(vm -> !unlisted.contains(vm.id())).toList();
  }

  @Override
  public void start(Collection<String> ids) {
    set(ids, State.RUNNING);
  }

  @Override
  public void stop(Collection<String> ids, boolean force) {
    calls.add("stop " + ids);
    set(ids, State.STOPPED);
  }

  @Override
  public void reboot(Collection<String> ids) {
    set(ids, State.RUNNING);
  }

  @Override
  public void terminate(Collection<String> ids) {
    calls.add("terminate " + ids);
    set(ids, State.TERMINATED);
  }

  private synchronized void set(Collection<String> ids, State state) {
    ids.stream().filter(vms::containsKey).forEach(id -> vms.put(id, in(vms.get(id), state)));
  }

  /** {@code vm} as it is in {@code state}. */
  static Instance in(Instance vm, State state) {
    return Instance.builder(vm.id(), state).tags(vm.tags()).launchTime(vm.launchTime().orElse(null)).build();
  }

  @Override
  public synchronized void tag(String id, Map<String, String> tags) {
    Map<String, String> all = new LinkedHashMap<>(vms.get(id).tags());
    all.putAll(tags);
    vms.put(id, vms.get(id).toBuilder().tags(all).build());
  }

  @Override
  public List<InstanceType> types() {
    return List.of(new InstanceType("small", 1, 512, 0, true));
  }

  @Override
  public List<Image> images() {
    return List.of(new Image("img", "img", "self"));
  }

  @Override
  public void close() {}
}
