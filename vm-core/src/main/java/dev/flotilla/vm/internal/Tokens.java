package dev.flotilla.vm.internal;

import dev.flotilla.vm.Node;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Idempotency tokens and launch specifications. A token is derived from what is launched, so the same
 * start repeated after a crash or a timeout carries the same token and the cloud makes no second VM.
 */
public final class Tokens {
  private Tokens() {}

  /**
   * The launch specification of {@code node}: every property that shapes the VM, without the node's
   * name, display name and binding. Nodes with equal specifications can be created in one call.
   */
  public static Node spec(Node node) {
    return node.toBuilder().name("spec").displayName(null).parent(null).vmId(null).publicAddress(null).privateAddress(null)
        .build();
  }

  /**
   * The token for creating VMs for {@code names} in {@code profile} from {@code spec}. {@code salt} tells
   * apart launches that must not be taken for a repeat (the ids of VMs a previous token already made).
   * At most 64 ASCII characters, as EC2's ClientToken requires.
   */
  public static String create(String profile, Node spec, List<String> names, String salt) {
    MessageDigest sha = sha256();
    feed(sha, profile);
    feed(sha, spec.toString());
    feed(sha, spec.userData().orElse(""));
    for (String n : names) {
      feed(sha, n);
    }
    feed(sha, salt);
    return "flotilla-" + HexFormat.of().formatHex(sha.digest(), 0, 20);
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
