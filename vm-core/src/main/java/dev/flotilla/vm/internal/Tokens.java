package dev.flotilla.vm.internal;

import dev.flotilla.vm.Node;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Idempotency tokens and launch specifications. A token is drawn afresh for every create and kept in the
 * nodes' records (their {@link dev.flotilla.vm.CreateIntent}) before the create call, so whichever call
 * finishes the create later, in this process or another, knows the token and the VMs it made.
 */
public final class Tokens {
  /** What every token starts with, so a VM's token says Flotilla made it. */
  public static final String PREFIX = "flotilla-";

  private static final SecureRandom RANDOM = new SecureRandom();

  private Tokens() {}

  /**
   * The launch specification of {@code node}: every property that shapes the VM, without the node's
   * name, display name, binding and create intent. Nodes with equal specifications can be created in one
   * call.
   */
  public static Node spec(Node node) {
    return node.toBuilder().name("spec").displayName(null).parent(null).build()
        .withRecord(dev.flotilla.vm.NodeRecord.NONE);
  }

  /** A new token: 41 ASCII characters, within EC2's 64. */
  public static String random() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return PREFIX + HexFormat.of().formatHex(bytes);
  }

  /** A digest of a launch specification on a profile, to tell a repeated create from a different one. */
  public static String digest(String profile, Node spec) {
    MessageDigest sha = sha256();
    feed(sha, profile);
    feed(sha, spec.toString());
    feed(sha, spec.userData().orElse(""));
    return HexFormat.of().formatHex(sha.digest(), 0, 12);
  }

  private static void feed(MessageDigest sha, String s) {
    sha.update(s.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
