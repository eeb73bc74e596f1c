/**
 * StratusLab and OpenNebula clouds over XML-RPC (api id {@code stratuslab}): see {@link
 * dev.flotilla.vm.stratuslab.StratusLabProviderFactory}.
 */
package dev.flotilla.vm.stratuslab;
