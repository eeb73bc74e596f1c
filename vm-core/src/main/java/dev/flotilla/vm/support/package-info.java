/**
 * What adapter and store authors may use, documented and kept stable within a minor version: HTTP calls with
 * bounded answers ({@link dev.flotilla.vm.support.HttpCall}, {@link dev.flotilla.vm.support.Transport},
 * {@link dev.flotilla.vm.support.Endpoints}), hardened XML ({@link dev.flotilla.vm.support.SafeXml}), bounded
 * JSON files ({@link dev.flotilla.vm.support.Json}), secrets masked in text ({@link
 * dev.flotilla.vm.support.Redact}), calls several at a time ({@link dev.flotilla.vm.support.Parallel}), a
 * watchdog for calls a library cannot bound ({@link dev.flotilla.vm.support.Watchdog}), SSH key fingerprints
 * ({@link dev.flotilla.vm.support.SshKeys}), node records as JSON and their locks for stores ({@link
 * dev.flotilla.vm.support.NodeJson}, {@link dev.flotilla.vm.support.NodeLocks}, {@link
 * dev.flotilla.vm.support.Records}), and the crash points crash tests stop at ({@link
 * dev.flotilla.vm.support.Failpoints}). Core's own machinery is in {@code dev.flotilla.vm.internal}, which no
 * adapter uses.
 */
package dev.flotilla.vm.support;
