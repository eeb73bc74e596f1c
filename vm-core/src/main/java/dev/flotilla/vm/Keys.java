package dev.flotilla.vm;

import dev.flotilla.vm.spi.Provider;
import java.util.List;

/**
 * The SSH keys registered with the client's profile (LEAP's {@code vm key-register} and {@code key-list}):
 * {@code client.keys()}. Calls fail with {@link UnsupportedCapabilityException} where the cloud keeps no keys.
 */
public final class Keys {
  private final Engine engine;

  Keys(Engine engine) {
    this.engine = engine;
  }

  /** The keys the cloud has. */
  public List<KeyPair> list() {
    return engine.backoff.retry(facet()::list);
  }

  /** Registers an SSH public key (the text of an {@code id_*.pub} file) under {@code name}. */
  public KeyPair register(String name, String publicKey) {
    dev.flotilla.vm.spi.Keys keys = facet();
    return engine.backoff.retry(() -> keys.importKey(name, publicKey));
  }

  private dev.flotilla.vm.spi.Keys facet() {
    return Engine.facet(engine.provider(engine.profileName(null)), Capability.KEY_IMPORT, Provider::keys);
  }
}
