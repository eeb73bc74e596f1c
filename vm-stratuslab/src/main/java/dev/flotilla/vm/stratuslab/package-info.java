/**
 * StratusLab and OpenNebula clouds over XML-RPC (api id {@code stratuslab}).
 *
 * <p>Not yet usable: this module registers no provider until the StratusLab adapter lands.
 */
package dev.flotilla.vm.stratuslab;
