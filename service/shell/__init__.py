"""The shell: Kafka, file mode, metrics and logging around the pure stages."""
