MODULE BenchHe41;

	PROCEDURE CarRaceCollision* (n: INTEGER): INTEGER;
	BEGIN
		RETURN n * (n - 1)
	END CarRaceCollision;

END BenchHe41.
