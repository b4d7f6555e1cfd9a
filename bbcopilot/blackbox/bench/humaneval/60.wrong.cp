MODULE BenchHe60;

	(* Wrong: sums 0 to n - 1. *)
	PROCEDURE SumToN* (n: INTEGER): INTEGER;
	BEGIN
		RETURN n * (n - 1) DIV 2
	END SumToN;

END BenchHe60.
