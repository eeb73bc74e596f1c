package dev.flotilla.vm.cloudstack;

import dev.flotilla.vm.KeyPair;
import dev.flotilla.vm.spi.Keys;
import java.util.List;

/** SSH key pairs. */
final class CsKeyPairs implements Keys {
  private final CloudStackProvider p;

  CsKeyPairs(CloudStackProvider p) {
    this.p = p;
  }

  @Override
  public KeyPair importKey(String name, String publicKey) {
    org.jclouds.cloudstack.domain.SshKeyPair key = p.jc("registerSSHKeyPair", a -> a.getSSHKeyPairApi()
        .registerSSHKeyPair(name, publicKey.trim()));
    return new KeyPair(key.getName(), key.getFingerprint());
  }

  @Override
  public List<KeyPair> list() {
    return p.jc("listSSHKeyPairs", a -> a.getSSHKeyPairApi().listSSHKeyPairs()).stream()
        .map(k -> new KeyPair(k.getName(), k.getFingerprint())).toList();
  }
}
