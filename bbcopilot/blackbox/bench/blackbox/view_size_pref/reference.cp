MODULE BenchSizeView;

	IMPORT Ports, Properties, Views;

	CONST defaultW = 40 * Ports.mm; defaultH = 20 * Ports.mm;

	TYPE
		View* = POINTER TO RECORD (Views.View) END;

	PROCEDURE (v: View) HandlePropMsg- (VAR msg: Views.PropMessage);
	BEGIN
		WITH msg: Properties.SizePref DO
			IF (msg.w = Views.undefined) OR (msg.h = Views.undefined) THEN
				msg.w := defaultW; msg.h := defaultH
			ELSE
				Properties.ProportionalConstraint(2, 1, msg.fixedW, msg.fixedH, msg.w, msg.h)
			END
		| msg: Properties.FocusPref DO
			msg.hotFocus := TRUE
		ELSE
		END
	END HandlePropMsg;

	PROCEDURE (v: View) Restore* (f: Views.Frame; l, t, r, b: INTEGER);
	BEGIN
		f.DrawRect(l, t, r, b, Ports.fill, Ports.grey25)
	END Restore;

	PROCEDURE New* (): View;
		VAR v: View;
	BEGIN
		NEW(v);
		RETURN v
	END New;

END BenchSizeView.
