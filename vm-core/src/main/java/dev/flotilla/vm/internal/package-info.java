/**
 * Core's own machinery (waiting, retrying, tokens, drift, the provider registry): not API, and not for
 * adapters, which have {@code dev.flotilla.vm.support}. It may change in any release.
 */
package dev.flotilla.vm.internal;
