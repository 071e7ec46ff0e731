/** The Confixx adapter: inventory from confixx_main.conf + MySQL, and the customer lock. */
export { ConfixxInventory, DEFAULT_CONFIXX_HOME_BASE, type ConfixxInventoryOptions } from './confixx-inventory';
export { DEFAULT_CONFIXX_CONF, readConfixxConf, parseConfixxConfText, type ConfixxDbSettings } from './confixx-conf';
export { type LockChange } from './confixx-lock';
