export { parseIP, formatIP, isMappedIPv4, unmapIPv4, type IPAddress } from './ip.ts'
export { parseComboAddress, comboToStringWithPort, type ComboAddress } from './combo-address.ts'
export { Netmask, NetmaskGroup, parseNetmask } from './netmask.ts'
