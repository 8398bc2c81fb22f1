// The contract's topics, header names, defaults and event ids are part of this library's API:
// a consumer names `MalomoTopic.ordersCreated` without importing a second module.
@_exported import MalomoContract
