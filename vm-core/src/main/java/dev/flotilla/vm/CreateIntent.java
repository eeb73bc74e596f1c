package dev.flotilla.vm;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A create that was asked for and may not have finished. The client writes it to the node's record, under
 * the node's lock, before it calls the cloud, and clears it when it binds the record to the VM the call
 * made. A record that still holds one after a crash says "a VM may exist for this node": the next client
 * looks for that VM (by the token, which the cloud and the VM's {@code flotilla:token} tag keep, and by the
 * node's name tag) and adopts it before it creates anything.
 *
 * @param token the create call's idempotency token; one call creates the VMs of several nodes, so they
 *     share it. A new one is drawn for every create, so a node destroyed and made again gets a new token
 * @param profile the profile the VM is created on
 * @param spec a digest of the launch specification (image, type, options...), to tell a repeat of the same
 *     create from a different one
 * @param nodes the nodes of the call, in order: the VM at launch index {@code i} is {@code nodes.get(i)}'s
 * @param since when the intent was written
 */
public record CreateIntent(String token, String profile, String spec, List<String> nodes, Instant since) {
  /** Checks and copies the values. */
  public CreateIntent {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(spec, "spec");
    nodes = Values.copy(nodes, "nodes");
    Objects.requireNonNull(since, "since");
  }

  /**
   * Whether a VM's {@value Instance#TOKEN_TAG} tag {@code tag} says this create made it: the token itself,
   * or its {@linkplain #shortToken short form}.
   */
  public boolean madeVmTagged(String tag) {
    return names(token, tag);
  }

  /** Whether the token tag {@code tag} names the create of {@code token}, whole or in short form. */
  public static boolean names(String token, String tag) {
    return tag != null && (tag.equals(token) || tag.equals(shortToken(token)));
  }

  /**
   * The short form of {@code token}: eight characters (a-z, 2-7) of its SHA-256. A cloud that can give a VM
   * no tag when it makes it, but a name (CloudStack's host name), carries this in the name; its adapter
   * gives it back as the VM's {@value Instance#TOKEN_TAG} tag until the tag itself is written. Forty bits:
   * with the node's name and the cloud's group beside it, no other create's VM answers to it.
   */
  public static String shortToken(String token) {
    byte[] hash;
    try {
      hash = java.security.MessageDigest.getInstance("SHA-256")
          .digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
    long bits = 0;
    for (int i = 0; i < 5; i++) {
      bits = bits << 8 | (hash[i] & 0xff);
    }
    StringBuilder out = new StringBuilder(8);
    for (int i = 7; i >= 0; i--) {
      out.append(BASE32.charAt((int) (bits >>> (5 * i) & 31)));
    }
    return out.toString();
  }

  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

  /**
   * Whether a create of node {@code node} from {@code specDigest} on {@code profileName} repeats this one for
   * that node, and so must send its token: a cloud that keeps tokens then answers with what this create made
   * for the node, even while its lists do not show it yet.
   */
  public boolean repeatedFor(String profileName, String specDigest, String node) {
    return profile.equals(profileName) && spec.equals(specDigest) && nodes.contains(node);
  }
}
