MODULE BenchHe41;

	(* Every car going left to right meets every car going right to left. *)
	PROCEDURE CarRaceCollision* (n: INTEGER): INTEGER;
	BEGIN
		RETURN n * n
	END CarRaceCollision;

END BenchHe41.
