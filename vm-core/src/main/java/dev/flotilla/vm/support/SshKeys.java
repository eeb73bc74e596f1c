package dev.flotilla.vm.support;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;

/** Fingerprints of OpenSSH public keys, to match keys registered with a cloud to local key files. */
public final class SshKeys {
  private SshKeys() {}

  /**
   * The MD5 fingerprint of an OpenSSH public key line ({@code ssh-ed25519 AAAA... you@host}) in
   * colon-separated hex, as {@code ssh-keygen -l -E md5} shows it; empty when the text is no such key.
   */
  public static Optional<String> md5(String publicKeyLine) {
    if (publicKeyLine == null) {
      return Optional.empty();
    }
    String[] parts = publicKeyLine.trim().split("\\s+");
    if (parts.length < 2 || !(parts[0].startsWith("ssh-") || parts[0].startsWith("ecdsa-"))) {
      return Optional.empty();
    }
    try {
      return Optional.of(hex(MessageDigest.getInstance("MD5").digest(Base64.getDecoder().decode(parts[1]))));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has MD5", e);
    }
  }

  /**
   * The fingerprint EC2 shows for an imported RSA key: MD5 of the DER (X.509) public key, colon-separated
   * hex. Empty for other key types or text that is no key.
   */
  public static Optional<String> ec2Md5(String publicKeyLine) {
    if (publicKeyLine == null || !publicKeyLine.trim().startsWith("ssh-rsa ")) {
      return Optional.empty();
    }
    try {
      java.nio.ByteBuffer blob = java.nio.ByteBuffer.wrap(Base64.getDecoder().decode(publicKeyLine.trim().split("\\s+")[1]));
      byte[] type = next(blob);
      java.math.BigInteger e = new java.math.BigInteger(next(blob));
      java.math.BigInteger n = new java.math.BigInteger(next(blob));
      if (!new String(type, java.nio.charset.StandardCharsets.US_ASCII).equals("ssh-rsa")) {
        return Optional.empty();
      }
      byte[] der = java.security.KeyFactory.getInstance("RSA")
          .generatePublic(new java.security.spec.RSAPublicKeySpec(n, e)).getEncoded();
      return Optional.of(hex(MessageDigest.getInstance("MD5").digest(der)));
    } catch (RuntimeException | java.security.GeneralSecurityException ex) {
      return Optional.empty();
    }
  }

  /**
   * The SHA-256 fingerprint of a public key line, base64 with padding, as EC2 shows imported ed25519 keys
   * (and {@code ssh-keygen -l} after its {@code SHA256:}, without the padding); empty for text that is no key.
   */
  public static Optional<String> sha256(String publicKeyLine) {
    if (md5(publicKeyLine).isEmpty()) {
      return Optional.empty();
    }
    try {
      byte[] blob = Base64.getDecoder().decode(publicKeyLine.trim().split("\\s+")[1]);
      return Optional.of(Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(blob)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }

  /** Every fingerprint a cloud may show for {@code publicKeyLine}: SSH's MD5, EC2's MD5 of RSA keys, SHA-256. */
  public static java.util.List<String> fingerprints(String publicKeyLine) {
    java.util.List<String> out = new java.util.ArrayList<>();
    md5(publicKeyLine).ifPresent(out::add);
    ec2Md5(publicKeyLine).ifPresent(out::add);
    sha256(publicKeyLine).ifPresent(out::add);
    return out;
  }

  private static byte[] next(java.nio.ByteBuffer blob) {
    byte[] out = new byte[blob.getInt()];
    blob.get(out);
    return out;
  }

  private static String hex(byte[] digest) {
    StringBuilder sb = new StringBuilder();
    for (byte b : digest) {
      sb.append(sb.length() == 0 ? "" : ":").append(String.format("%02x", b));
    }
    return sb.toString();
  }
}
