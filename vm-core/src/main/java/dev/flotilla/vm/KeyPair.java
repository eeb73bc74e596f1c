package dev.flotilla.vm;

/**
 * An SSH key registered with a cloud, as LEAP's {@code vm key-list} shows it.
 *
 * @param name the name the cloud knows it by
 * @param fingerprint the cloud's fingerprint of it (EC2: MD5 of the DER public key for imported keys;
 *     others: MD5 of the SSH key, colon-separated hex)
 */
public record KeyPair(String name, String fingerprint) {}
