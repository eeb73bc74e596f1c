package dev.flotilla.vm;

import dev.flotilla.vm.spi.Provider;
import java.util.List;
import java.util.Optional;

/**
 * The floating addresses of a profile (Elastic IPs, Nova's floating IPs, CloudStack's static NAT), and of one
 * node's VM: {@code client.addresses(node)}, or {@code client.addresses()} for the client's profile. An address
 * that points at another node's VM is never moved or released (unless the client forces); calls fail with
 * {@link UnsupportedCapabilityException} where the cloud has no floating addresses.
 */
public final class Addresses {
  private final Engine engine;
  private final Node node;

  Addresses(Engine engine, Node node) {
    this.engine = engine;
    this.node = node;
  }

  /** The floating addresses of the profile, free or in use. */
  public List<FloatingAddress> list() {
    return engine.backoff.retry(facet(engine.providerFor(node))::list);
  }

  /** Allocates a floating address from {@code pool} or, when it is {@code null}, from the cloud's default pool. */
  public FloatingAddress allocate(String pool) {
    dev.flotilla.vm.spi.Addresses addresses = facet(engine.providerFor(node));
    return engine.backoff.retry(() -> addresses.allocate(pool));
  }

  /**
   * Points a floating address at the node's VM and records it as the node's public address.
   *
   * @return the VM as observed after the change
   */
  public Instance associate(String address) {
    Engine.Target t = engine.single(nodeNamed("associate"), "give a floating address to", null);
    dev.flotilla.vm.spi.Addresses addresses = facet(t.provider);
    mine(t.provider, address, t.node);
    engine.backoff.retry(() -> addresses.associate(address, t.vmId()));
    // The cloud may list the address a moment later; the record has it now.
    engine.store.update(t.node.name(), old -> (old == null ? t.node : old).bind(t.vmId(), address,
        t.node.privateAddress().orElse(null)));
    return engine.status(t.node).orElseThrow(() -> new CloudException(CloudException.Kind.NOT_FOUND,
        t.provider.api(), null, "VM " + t.vmId() + " of node " + t.node.name() + " vanished while its address was"
        + " set", null));
  }

  /**
   * Takes a floating address off the node's VM; the address stays allocated, and the node's record no longer
   * names it (it names the VM's own public address, if it has one).
   */
  public void disassociate(String address) {
    Engine.Target t = engine.single(nodeNamed("disassociate"), "take a floating address off", null);
    dev.flotilla.vm.spi.Addresses addresses = facet(t.provider);
    mine(t.provider, address, t.node);
    engine.backoff.retry(() -> addresses.disassociate(address, t.vmId()));
    String own = engine.backoff.retry(() -> t.provider.describe(List.of(t.vmId()))).stream()
        .filter(i -> i.id().equals(t.vmId())).findFirst().flatMap(Instance::publicAddress)
        .filter(a -> !a.equals(address)).orElse(null);
    engine.store.update(t.node.name(), old -> old != null && old.vmId().equals(t.node.vmId())
        && old.publicAddress().equals(Optional.of(address))
        ? old.bind(t.vmId(), own, old.privateAddress().orElse(null)) : old);
  }

  /** Gives a floating address back to its pool. */
  public void release(String address) {
    Provider p = engine.providerFor(node);
    dev.flotilla.vm.spi.Addresses addresses = facet(p);
    mine(p, address, node == null ? null : engine.store.get(node.name()).orElse(node));
    engine.backoff.retry(() -> addresses.release(address));
  }

  /**
   * Mine before I act, for addresses: {@code address} as the cloud lists it now, refused (unless the client
   * forces) when it points at a VM that is not {@code owner}'s: moving or releasing it would take another
   * node's address away.
   */
  private FloatingAddress mine(Provider p, String address, Node owner) {
    FloatingAddress found = engine.backoff.retry(facet(p)::list).stream().filter(a -> a.address().equals(address))
        .findFirst().orElseThrow(() -> new CloudException(CloudException.Kind.NOT_FOUND, p.api(), null, "the"
            + " profile has no floating address " + Values.quoted(address) + "; 'vm ip-list' lists them"));
    Optional<String> at = found.vm().filter(vm -> owner == null || !owner.vmId().equals(Optional.of(vm)));
    if (at.isPresent() && !engine.force) {
      String holder = engine.boundTo(at.get()).map(Node::name).orElse(null);
      throw new OwnershipException(owner == null ? null : owner.name(), at.get(), holder, "floating address "
          + address + " points at VM " + at.get() + (holder == null ? "" : ", node " + holder + "'s") + "; nothing"
          + " was done to it. Take it off that VM first (vm ip-rm " + (holder == null ? "NODE" : holder) + " "
          + address + "), or give --force.");
    }
    return found;
  }

  private Node nodeNamed(String call) {
    if (node == null) {
      throw new IllegalStateException(call + " needs a node: use client.addresses(node)");
    }
    return node;
  }

  private static dev.flotilla.vm.spi.Addresses facet(Provider p) {
    return Engine.facet(p, Capability.FLOATING_IP, Provider::addresses);
  }
}
