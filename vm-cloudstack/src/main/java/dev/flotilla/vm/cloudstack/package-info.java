/** The Apache CloudStack provider: api id {@code cloudstack}, on CloudStack's signed query API. */
package dev.flotilla.vm.cloudstack;
