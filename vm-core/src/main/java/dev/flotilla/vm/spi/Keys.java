package dev.flotilla.vm.spi;

import dev.flotilla.vm.KeyPair;
import java.util.List;

/**
 * A provider's facet for SSH keys registered with the cloud (EC2's and Nova's key pairs, CloudStack's SSH
 * key pairs). Present only where the cloud can; see {@link Provider#keys()}.
 */
public interface Keys {
  /** Registers an SSH public key (the text of an {@code id_*.pub} file) under {@code name}. */
  KeyPair importKey(String name, String publicKey);

  /** The SSH keys registered with the cloud. */
  List<KeyPair> list();
}
