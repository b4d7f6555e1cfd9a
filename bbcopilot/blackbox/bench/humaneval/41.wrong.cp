MODULE BenchHe41;

	(* Wrong: counts pairs of distinct cars, as if all drove in one set. *)
	PROCEDURE CarRaceCollision* (n: INTEGER): INTEGER;
	BEGIN
		RETURN n * (n - 1)
	END CarRaceCollision;

END BenchHe41.
