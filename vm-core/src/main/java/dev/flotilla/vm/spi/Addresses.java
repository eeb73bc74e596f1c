package dev.flotilla.vm.spi;

import dev.flotilla.vm.FloatingAddress;
import java.util.List;

/**
 * A provider's facet for public addresses that move between VMs (Elastic IPs, Nova's floating IPs,
 * CloudStack's static NAT). Present only where the cloud can; see {@link Provider#addresses()}.
 */
public interface Addresses {
  /** The floating addresses of the account. */
  List<FloatingAddress> list();

  /** Allocates a floating address from {@code pool} (the cloud's default pool when {@code null}). */
  FloatingAddress allocate(String pool);

  /** Points floating address {@code address} at VM {@code id}. */
  void associate(String address, String id);

  /** Takes floating address {@code address} off VM {@code id}; it stays allocated. */
  void disassociate(String address, String id);

  /** Gives floating address {@code address} back to its pool. */
  void release(String address);
}
