"""Read models: the data each page shows, built in a bounded number of queries; they never write."""
