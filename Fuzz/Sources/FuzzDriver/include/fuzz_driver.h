/* Nothing to import: the driver only provides the entry point SwiftPM links the executable with. */
