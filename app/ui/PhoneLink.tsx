import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { loadPhoneBase, phoneBase, phoneQrSrc } from '../models/phoneLink.ts';
import { roomPath } from './roomLink.ts';

/**
 * On a laptop: a QR code of this room's address for a phone on the same network, so nobody types an IP address.
 * Hidden on touch devices and when the server has no address for phones.
 */
export function PhoneLink({ room }: { room: string }) {
  const open = useSignal(false);
  const onPhone = typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
  useEffect(() => {
    if (!onPhone) void loadPhoneBase();
  }, []);
  if (onPhone || !phoneBase.value || !room) return null;
  const link = `${phoneBase.value}${roomPath(room)}`;
  return (
    <div class="phone-link">
      <button type="button" class="chip" aria-expanded={open.value} onClick={() => (open.value = !open.value)}>
        Open on your phone
      </button>
      {open.value && (
        <div class="phone-qr">
          <img src={phoneQrSrc(room)} alt={`QR code for ${link}`} width={180} height={180} />
          <p>
            Scan with your phone's camera, or open <strong class="phone-url">{link}</strong>. On a home
            network your phone warns once about the certificate: choose to continue.
          </p>
        </div>
      )}
    </div>
  );
}
