// The metadata store speaks the stack model's types; importing Stacks brings them along.
@_exported import StackModel
