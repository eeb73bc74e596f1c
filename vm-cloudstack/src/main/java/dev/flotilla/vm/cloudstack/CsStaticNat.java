package dev.flotilla.vm.cloudstack;

import dev.flotilla.vm.CloudException;
import dev.flotilla.vm.CloudException.Kind;
import dev.flotilla.vm.FloatingAddress;
import dev.flotilla.vm.spi.Addresses;
import java.util.List;
import java.util.Map;
import org.jclouds.cloudstack.domain.AsyncCreateResponse;
import org.jclouds.cloudstack.domain.PublicIPAddress;
import org.jclouds.cloudstack.options.AssociateIPAddressOptions;
import org.jclouds.cloudstack.options.ListPublicIPAddressesOptions;

/** Public addresses moved by static NAT. */
final class CsStaticNat implements Addresses {
  private final CloudStackProvider p;

  CsStaticNat(CloudStackProvider p) {
    this.p = p;
  }

  /** The account's public addresses but the network's source NAT one; one with static NAT points at its VM. */
  @Override
  public List<FloatingAddress> list() {
    return p.jc("listPublicIpAddresses", a -> a.getAddressApi().listPublicIPAddresses()).stream()
        .filter(ip -> !ip.isSourceNAT())
        .map(ip -> new FloatingAddress(ip.getIPAddress(), ip.getZoneName() == null ? "zone" : ip.getZoneName(),
            ip.isStaticNAT() ? ip.getVirtualMachineId() : null))
        .toList();
  }

  /** associateIpAddress in the profile's p.zone (and the network {@code pool} names, if it is an id), waited for. */
  @Override
  public FloatingAddress allocate(String pool) {
    AssociateIPAddressOptions options = pool != null && p.UUID.matcher(pool).matches()
        ? AssociateIPAddressOptions.Builder.networkId(pool) : new AssociateIPAddressOptions();
    AsyncCreateResponse made = p.jc("associateIpAddress", a -> a.getAddressApi().associateIPAddressInZone(p.zone(),
        options));
    p.awaitJob(made.getJobId(), "associateIpAddress");
    PublicIPAddress ip = p.jc("listPublicIpAddresses", a -> a.getAddressApi().getPublicIPAddress(made.getId()));
    if (ip == null) {
      throw new CloudException(Kind.NOT_FOUND, p.api(), null, "the address associateIpAddress made (" + made.getId()
          + ") is not listed");
    }
    return new FloatingAddress(ip.getIPAddress(), pool == null ? "zone" : pool, null);
  }

  /** enableStaticNat: the address now reaches the VM. */
  @Override
  public void associate(String address, String id) {
    String ipId = addressId(address);
    p.jc("enableStaticNat", a -> {
      a.getNATApi().enableStaticNATForVirtualMachine(id, ipId);
      return null;
    });
  }

  @Override
  public void disassociate(String address, String id) {
    String ipId = addressId(address);
    p.awaitJob(p.jc("disableStaticNat", a -> a.getNATApi().disableStaticNATOnPublicIP(ipId)), "disableStaticNat");
  }

  /** disassociateIpAddress, waited for; through Flotilla's client, as p.jclouds drops the job's id. */
  @Override
  public void release(String address) {
    p.awaitJob(CloudStackProvider.string(p.cs.call("disassociateIpAddress", Map.of("id", addressId(address))), "jobid"),
        "disassociateIpAddress");
  }

  private String addressId(String address) {
    return p.jc("listPublicIpAddresses", a -> a.getAddressApi().listPublicIPAddresses(
        ListPublicIPAddressesOptions.Builder.IPAddress(address))).stream()
        .filter(ip -> address.equals(ip.getIPAddress())).map(PublicIPAddress::getId).findFirst()
        .orElseThrow(() -> new CloudException(Kind.NOT_FOUND, p.api(), null, "the account has no public address "
            + address + "; `vm ips` lists them"));
  }
}
