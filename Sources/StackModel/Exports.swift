// `StackError` is FileIO's `CodedError` over this module's code, and flavors speak FileIO's stores
// and paths; importing StackModel brings FileIO along.
@_exported import FileIO
