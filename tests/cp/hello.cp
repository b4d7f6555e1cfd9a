MODULE PrivHello;
(** A command that writes to the Log. (* comments (* nest *) *) **)

	IMPORT Log := StdLog;

	PROCEDURE Do*;
	BEGIN
		Log.String("Hello, World"); Log.Ln;
		Log.Int(42); Log.Char(0DX); Log.Real(3.14); Log.Ln
	END Do;

END PrivHello.
